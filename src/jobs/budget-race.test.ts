import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startModelEmulator, type ModelEmulator } from '../../test/emulators/model/index.js';
import { makeWav } from '../../test/emulators/model/test-support.js';
import { isTranslateError, TranslateError } from '../errors.js';
import { planTranslation } from '../plan.js';
import { BACKENDS } from '../store/test-backends.js';
import { Translator } from '../translator/translator.js';
import { FairQueue } from './fair-queue.js';
import { obtainResult, type JobServices } from './obtain-result.js';

/*
 * Budgets under concurrency, end to end: obtainResult with the real Translator against the model emulator, on a
 * real store (SQLite and Redis). The fair queue has one slot, taken by the test first, so every admitted job waits
 * in line holding its estimate while the others are decided: the race is the worst case every time, not by chance.
 */

let emu: ModelEmulator;
let translator: Translator;
const log = pino({ level: 'silent' });
const at = Date.UTC(2026, 2, 10, 12);
const scope = { platform: 'discord' as const, serverId: 'g1', userId: 'u1' };
const plan = planTranslation({ to: 'en', from: 'zh', textOnly: true }, { strict: false });
// distinct bytes per job, so no job is answered from the cache or shares another's model call
const input = (i: number) => ({ source: { kind: 'bytes' as const, data: makeWav(1, { hz: 200 + 37 * i }) }, plan, scope });
const neededIn = (err: unknown) => Number(/needs about ([\d,]+)/.exec(String(err))?.[1]?.replace(/,/g, ''));

beforeAll(async () => {
  emu = await startModelEmulator();
  translator = new Translator({ apiKey: 'test-key', baseUrl: emu.baseUrl, model: 'qwen3-livetranslate-flash', maxRetries: 0, streamRetries: 0 });
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.reset();
  emu.configure({ text: 'Dinner is at eight, said the voice.' });
});

/** Runs `n` jobs at once behind a held one-slot queue; releases the slot once every job is refused or waiting. */
async function raceJobs(services: JobServices, n: number) {
  const queue = new FairQueue(1);
  const gate = await queue.acquire('gate');
  let waiting = 0;
  let refused = 0;
  let opened = false;
  const maybeOpen = () => {
    if (!opened && waiting + refused === n) {
      opened = true;
      gate();
    }
  };
  const jobs = Array.from({ length: n }, (_, i) => {
    let inLine = false;
    const hooks = {
      onText: () => undefined,
      onQueued: (position: number) => {
        if (position === 0 || inLine) return;
        inLine = true;
        waiting++;
        maybeOpen();
      },
    };
    // as many intake slots as jobs: every job gets as far as the budget check at once (the worst case)
    return obtainResult(input(i), translator, { maxBytes: 1 << 20 }, { ...services, queue, intake: new FairQueue(n) }, hooks, log, new AbortController().signal)
      .catch((err: unknown) => {
        refused++;
        maybeOpen();
        throw err;
      });
  });
  return Promise.allSettled(jobs);
}

describe.each(BACKENDS)('budgets on $name under concurrency', (backend) => {
  it('8 concurrent jobs against a 40-token daily budget: exactly as many run as their estimates fit, the rest never reach the model', async () => {
    const store = await backend.open();
    const limit = 40;
    const outcomes = await raceJobs({ store, budgets: { userDailyTokens: limit }, now: () => at }, 8);

    const done = outcomes.filter((o) => o.status === 'fulfilled');
    const refusals = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    expect(refusals.every((e) => isTranslateError(e, 'BUDGET_EXCEEDED'))).toBe(true);
    const estimate = neededIn(refusals[0]);
    expect(estimate).toBeGreaterThan(0);
    const fit = Math.floor(limit / estimate);
    expect(done).toHaveLength(fit);
    expect(refusals).toHaveLength(8 - fit);
    expect(emu.requests).toHaveLength(fit);
    // every refusal happened while the admitted jobs held their estimates: it names them, the limit and the reset
    for (const err of refusals) {
      expect(String(err)).toContain(`You have used ${fit * estimate} of your 40 tokens for today (${fit * estimate} of them held by translations still running); this one needs about ${estimate}. It resets 2026-03-11 00:00 UTC.`);
    }

    // Settled to the real usage: the recorded total is what the service reported, and it passes the limit by no more
    // than the admitted jobs' overshoot (real − estimate).
    const real = done.map((o) => (o.status === 'fulfilled' ? o.value.result.usage!.totalTokens : 0));
    const recorded = (await store.usage.userDay('discord', 'u1', at)).totalTokens;
    expect(recorded).toBe(real.reduce((a, b) => a + b, 0));
    const overshoot = real.reduce((sum, r) => sum + Math.max(0, r - estimate), 0);
    expect(recorded).toBeLessThanOrEqual(limit + overshoot);

    // nothing is held any more, and the next job is refused on what was recorded
    const next = await obtainResult(input(99), translator, { maxBytes: 1 << 20 }, { store, budgets: { userDailyTokens: limit }, now: () => at }, { onText: () => undefined }, log, new AbortController().signal).catch((e: unknown) => e);
    expect(String(next)).toContain(`You have used ${recorded} of your 40 tokens for today; this one needs about ${estimate}.`);
    expect(emu.requests).toHaveLength(fit);
  });

  it('releases the hold of a job the model refused before answering, and records nothing for it', async () => {
    const store = await backend.open();
    const budgets = { serverMonthlyTokens: 1_000 };
    const services: JobServices = { store, budgets, now: () => at };
    emu.inject({ kind: 'status', status: 400, code: 'InvalidParameter', message: 'refused' });
    const failed = await obtainResult(input(1), translator, { maxBytes: 1 << 20 }, services, { onText: () => undefined }, log, new AbortController().signal).catch((e: unknown) => e);
    expect(isTranslateError(failed)).toBe(true);

    expect(await store.usage.serverMonth('discord', 'g1', at)).toMatchObject({ totalTokens: 0, jobs: 0 });
    // nothing left held: the whole budget can be held at once
    const whole = await store.usage.hold({ ...scope, at, tokens: 1_000, limits: budgets, ttlMs: 60_000 });
    expect(whole.ok).toBe(true);
  });

  it('charges a job the model stopped answering mid-stream (output cap, moderation) or that was cancelled after its first text', async () => {
    const store = await backend.open();
    const services: JobServices = { store, budgets: { serverMonthlyTokens: 100_000 }, now: () => at };
    const used = async () => (await store.usage.serverMonth('discord', 'g1', at)).totalTokens;
    let shown = '';
    const onText = (d: string) => (shown += d);

    // a stream that never stops: cut at the character cap, and its 20,000 characters are paid for
    emu.inject({ kind: 'endless', chunkDelayMs: 0 });
    const endless = await obtainResult(input(1), translator, { maxBytes: 1 << 20 }, services, { onText }, log, new AbortController().signal).catch((e: unknown) => e);
    expect(isTranslateError(endless, 'OUTPUT_TOO_LONG')).toBe(true);
    expect(shown.length).toBeGreaterThan(0);
    const afterEndless = await used();
    expect(afterEndless).toBeGreaterThanOrEqual(Math.ceil(shown.length / 2));

    emu.inject({ kind: 'output-moderation', afterChunks: 3 });
    const moderated = await obtainResult(input(2), translator, { maxBytes: 1 << 20 }, services, { onText: () => undefined }, log, new AbortController().signal).catch((e: unknown) => e);
    expect(isTranslateError(moderated, 'OUTPUT_MODERATED')).toBe(true);
    const afterModerated = await used();
    expect(afterModerated).toBeGreaterThan(afterEndless);

    const cancel = new AbortController();
    emu.inject({ kind: 'slow', chunkDelayMs: 200 });
    const cancelled = await obtainResult(input(3), translator, { maxBytes: 1 << 20 }, services, { onText: () => cancel.abort() }, log, cancel.signal).catch((e: unknown) => e);
    expect(isTranslateError(cancelled, 'CANCELLED')).toBe(true);
    expect(await used()).toBeGreaterThan(afterModerated);
    expect(await store.usage.serverMonth('discord', 'g1', at)).toMatchObject({ jobs: 3 });
  });

  it('an endless stream against a 100-token daily budget: the first job is charged past the limit, the next never reaches the model', async () => {
    const store = await backend.open();
    const services: JobServices = { store, budgets: { userDailyTokens: 100 }, now: () => at };
    emu.inject({ kind: 'endless', chunkDelayMs: 0 });
    const first = await obtainResult(input(1), translator, { maxBytes: 1 << 20 }, services, { onText: () => undefined }, log, new AbortController().signal).catch((e: unknown) => e);
    expect(isTranslateError(first, 'OUTPUT_TOO_LONG')).toBe(true);
    expect((await store.usage.userDay('discord', 'u1', at)).totalTokens).toBeGreaterThan(100);
    const next = await obtainResult(input(2), translator, { maxBytes: 1 << 20 }, services, { onText: () => undefined }, log, new AbortController().signal).catch((e: unknown) => e);
    expect(isTranslateError(next, 'BUDGET_EXCEEDED')).toBe(true);
    expect(emu.requests).toHaveLength(1);
  });

  it('refuses, with a clear message, when the store cannot be read', async () => {
    const store = await backend.open();
    await store.close();
    const err = await obtainResult(input(3), translator, { maxBytes: 1 << 20 }, { store, budgets: { userDailyTokens: 40 }, now: () => at }, { onText: () => undefined }, log, new AbortController().signal).catch((e: unknown) => e);
    expect(isTranslateError(err, 'STORE_UNAVAILABLE')).toBe(true);
    expect((err as TranslateError).message).toContain('The usage budgets cannot be checked');
    expect(emu.requests).toHaveLength(0);
  });
});
