import { afterEach, describe, expect, it } from 'vitest';
import type { HealthCheck } from './health.js';
import { createMetrics, type Metrics } from './metrics.js';
import { opsRoutes, startOpsServer, type OpsServer, type OpsServerOptions } from './ops-server.js';

describe('startOpsServer', () => {
  const servers: OpsServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function start(metrics: Pick<Metrics, 'render'>, checks: Record<string, HealthCheck>, options?: OpsServerOptions): Promise<string> {
    const server = await startOpsServer(0, metrics, checks, options);
    servers.push(server);
    expect(server.port).toBeGreaterThan(0);
    return `http://127.0.0.1:${server.port}`;
  }

  it('answers /healthz with 200 and the checks when all pass', async () => {
    const base = await start(createMetrics({ processMetrics: false }), { store: async () => undefined }, { host: '127.0.0.1' });
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ ok: true, checks: { store: { ok: true, ms: expect.any(Number) } } });
  });

  it('answers /healthz with 503 naming the failing check', async () => {
    const checks = {
      store: async () => undefined,
      discord: async () => {
        throw new Error('gateway not connected');
      },
    };
    const base = await start(createMetrics({ processMetrics: false }), checks, { host: '127.0.0.1' });
    const res = await fetch(`${base}/healthz?verbose=1`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { ok: boolean; checks: Record<string, { ok: boolean; error?: string }> };
    expect(body.ok).toBe(false);
    expect(body.checks.discord).toMatchObject({ ok: false, error: 'gateway not connected' });
    expect(body.checks.store?.ok).toBe(true);
  });

  it('serves /metrics in the Prometheus text format', async () => {
    const metrics = createMetrics();
    metrics.jobFinished({ platform: 'cli', trigger: 'cli', outcome: 'done' });
    const base = await start(metrics, {}, { host: '127.0.0.1' });
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('livetranslate_jobs_total{platform="cli",trigger="cli",outcome="done"} 1');
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('answers 404 for other paths and methods, and 500 when metrics cannot render', async () => {
    const broken = { render: () => Promise.reject(new Error('boom')) };
    const base = await start(broken, {}, { host: '127.0.0.1' });
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/slack/events`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${base}/metrics/extra`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`)).status).toBe(500);
  });

  it('listens on all interfaces by default and refuses a port in use', async () => {
    const base = await start(createMetrics({ processMetrics: false }), {});
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const port = Number(new URL(base).port);
    await expect(startOpsServer(port, createMetrics({ processMetrics: false }), {})).rejects.toThrow(/EADDRINUSE/);
  });
});

describe('opsRoutes', () => {
  it('gives Bolt-shaped GET routes for /healthz and /metrics', () => {
    const routes = opsRoutes(createMetrics({ processMetrics: false }), {});
    expect(routes.map((r) => [r.path, r.method])).toEqual([['/healthz', ['GET']], ['/metrics', ['GET']]]);
    expect(routes.every((r) => typeof r.handler === 'function')).toBe(true);
  });
});
