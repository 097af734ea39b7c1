import { describe, expect, it } from 'vitest';
import { registerSecrets } from '../logger.js';
import { cachedCheck, healthReport } from './health.js';

describe('healthReport', () => {
  it('is ok when every check passes, with a duration per check', async () => {
    const report = await healthReport({ store: async () => undefined, gateway: () => new Promise((r) => setTimeout(r, 20)) });
    expect(report.ok).toBe(true);
    expect(report.checks.store).toEqual({ ok: true, ms: expect.any(Number) });
    expect(report.checks.gateway?.ok).toBe(true);
    expect(report.checks.gateway?.ms).toBeGreaterThanOrEqual(15);
  });

  it('reports a failing check with its message only, never a secret, cut to 200 characters', async () => {
    const secret = 'redis-password-0123456789';
    registerSecrets(secret);
    const report = await healthReport({
      store: async () => {
        throw Object.assign(new Error(`connect ECONNREFUSED redis://:${secret}@10.0.0.5:6379`), { config: { secret } });
      },
      long: async () => {
        throw new Error('x'.repeat(500));
      },
      sync: () => {
        throw { toString: () => secret };
      },
      fine: async () => undefined,
    });
    expect(report.ok).toBe(false);
    expect(report.checks.fine?.ok).toBe(true);
    expect(report.checks.store).toMatchObject({ ok: false, error: 'connect ECONNREFUSED redis://:[redacted]@10.0.0.5:6379' });
    expect(report.checks.long?.error).toHaveLength(200);
    expect(report.checks.sync).toMatchObject({ ok: false, error: 'check failed' });
    expect(JSON.stringify(report)).not.toContain(secret);
  });

  it('times a hanging check out and aborts its signal, without waiting for it', async () => {
    let aborted = false;
    const started = performance.now();
    const report = await healthReport({
      hangs: (signal) => new Promise<void>(() => signal.addEventListener('abort', () => void (aborted = true))),
      quick: async () => undefined,
    }, 50);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(report.ok).toBe(false);
    expect(report.checks.hangs).toMatchObject({ ok: false, error: 'timed out after 50 ms' });
    expect(report.checks.hangs?.ms).toBeGreaterThanOrEqual(45);
    expect(report.checks.quick?.ok).toBe(true);
    expect(aborted).toBe(true);
  });

  it('is ok with no checks at all', async () => {
    expect(await healthReport({})).toEqual({ ok: true, checks: {} });
  });
});

describe('cachedCheck', () => {
  it('asks again only once a success is older than its window, and after every failure', async () => {
    let now = 0;
    let calls = 0;
    let failing = false;
    const check = cachedCheck(async () => {
      calls++;
      if (failing) throw new Error('invalid_auth');
    }, 30_000, () => now);
    const signal = new AbortController().signal;
    await check(signal);
    now = 29_999;
    await check(signal);
    expect(calls).toBe(1);
    now = 30_000;
    failing = true;
    await expect(check(signal)).rejects.toThrow('invalid_auth');
    await expect(check(signal)).rejects.toThrow('invalid_auth');
    expect(calls).toBe(3);
    failing = false;
    await check(signal);
    await check(signal);
    expect(calls).toBe(4);
  });
});
