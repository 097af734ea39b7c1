import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import { healthReport, type HealthCheck } from './health.js';
import type { Metrics } from './metrics.js';

/**
 * The operations endpoints, served one of two ways (same responses either way):
 *
 * - `GET /healthz` → 200 `{"ok":true,"checks":{…}}` when every check passes, else 503 with the same shape, the failing
 *   checks carrying `error` (see `healthReport`: messages only, scrubbed, ≤ 200 chars).
 * - `GET /metrics` → 200 in the Prometheus text format (`metrics.render()`); 500 if rendering fails.
 * - Anything else (another path, another method) → 404.
 *
 * `opsRoutes` gives Bolt `customRoutes` entries, so in Slack HTTP mode these live on `PORT` beside `/slack/events`
 * (Bolt answers other paths with 404 itself). `startOpsServer` is a plain node:http server for when Bolt does not
 * own an HTTP server (Discord only, or Slack in Socket Mode without `installerOptions.port`).
 * Responses are never cached (`cache-control: no-store`). Nothing here authenticates: the endpoints reveal no
 * secrets, and who may reach the port is the deployment's choice.
 */

/** Structurally a Bolt `CustomRoute` (src/ never imports @slack/*). */
export interface OpsRoute {
  path: string;
  method: string[];
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface OpsOptions {
  /** Per-check timeout of `/healthz`, in ms. Default 2000. */
  healthTimeoutMs?: number;
  /** Where a failing `/metrics` render is reported. */
  logger?: Logger;
}

export interface OpsServerOptions extends OpsOptions {
  /** Interface to listen on. Default: all interfaces (like Bolt, which calls `listen(port)`). */
  host?: string;
}

export interface OpsServer {
  /** The port actually listened on (useful when 0 was asked for). */
  port: number;
  /** Stops listening and drops open keep-alive connections. */
  close(): Promise<void>;
}

export const HEALTH_PATH = '/healthz';
export const METRICS_PATH = '/metrics';

type MetricsSource = Pick<Metrics, 'render'>;

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function serveHealth(res: ServerResponse, checks: Record<string, HealthCheck>, options: OpsOptions): Promise<void> {
  const report = await healthReport(checks, options.healthTimeoutMs);
  send(res, report.ok ? 200 : 503, 'application/json; charset=utf-8', JSON.stringify(report));
}

async function serveMetrics(res: ServerResponse, metrics: MetricsSource, options: OpsOptions): Promise<void> {
  try {
    const { contentType, body } = await metrics.render();
    send(res, 200, contentType, body);
  } catch (err) {
    options.logger?.warn({ err }, 'metrics render failed');
    send(res, 500, 'text/plain; charset=utf-8', 'metrics unavailable\n');
  }
}

function guarded(res: ServerResponse, work: Promise<void>, options: OpsOptions): void {
  work.catch((err: unknown) => {
    options.logger?.warn({ err }, 'ops endpoint failed');
    if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
    else res.destroy();
  });
}

/** `customRoutes` for Bolt's `App`: `new App({ …, customRoutes: opsRoutes(metrics, checks) })`. */
export function opsRoutes(metrics: MetricsSource, checks: Record<string, HealthCheck>, options: OpsOptions = {}): OpsRoute[] {
  return [
    { path: HEALTH_PATH, method: ['GET'], handler: (_req, res) => guarded(res, serveHealth(res, checks, options), options) },
    { path: METRICS_PATH, method: ['GET'], handler: (_req, res) => guarded(res, serveMetrics(res, metrics, options), options) },
  ];
}

/** A standalone HTTP server for `/healthz` and `/metrics`; resolves once listening, rejects if it cannot listen. */
export async function startOpsServer(
  port: number, metrics: MetricsSource, checks: Record<string, HealthCheck>, options: OpsServerOptions = {},
): Promise<OpsServer> {
  const routes = opsRoutes(metrics, checks, options);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = routes.find((r) => r.path === path && r.method.includes(req.method ?? ''));
    if (route) route.handler(req, res);
    else send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
