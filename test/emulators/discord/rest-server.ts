// The HTTP side: /api/v10 routes (auth, recording, injected faults, rate limits, Discord error bodies) and the CDN.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Cdn } from './cdn.js';
import type { Ctx, Route } from './context.js';
import { ApiError, errors, parseBody, readRaw, sendJson, type ParsedBody } from './http-io.js';
import { rateLimitedBody, type FaultQueue, type RateLimiter } from './rate-limits.js';
import type { RecordedCall } from './types.js';

export interface RestDeps {
  ctx: Ctx;
  routes: Route[];
  calls: RecordedCall[];
  faults: FaultQueue;
  limiter: RateLimiter;
  cdn: Cdn;
}

const EMPTY: ParsedBody = { json: undefined, files: [], multipart: false };

export function createRequestHandler(deps: RestDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { message: '500: Internal Server Error', code: 0 });
      else res.destroy();
    });
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function authOf(ctx: Ctx, header: string | undefined): RecordedCall['auth'] {
  if (!header) return 'none';
  return header === `Bot ${ctx.botToken}` ? 'bot' : 'invalid';
}

async function handle(deps: RestDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { ctx } = deps;
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (!url.pathname.startsWith('/api/')) {
    req.resume();
    if (deps.cdn.serve(method, url, res)) return;
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('Not Found');
    return;
  }
  const m = /^\/api\/v(\d+)(\/.*)$/.exec(url.pathname);
  // Segments are matched decoded: discord.js sends @original as %40original and emoji percent-encoded.
  const path = (m?.[2] ?? url.pathname.slice(4)).split('/').map(safeDecode).join('/');
  const record: RecordedCall = {
    at: ctx.clock.now(),
    method,
    path: `${path}${url.search}`,
    route: `${method} ?`,
    auth: authOf(ctx, req.headers.authorization),
    status: 0,
  };
  deps.calls.push(record);
  let headers: Record<string, string> = {};
  const reply = (status: number, body: unknown, extra: Record<string, string> = {}) => {
    record.status = status;
    sendJson(res, status, body, { ...headers, ...extra });
  };
  try {
    let body = EMPTY;
    try {
      body = await parseBody(await readRaw(req, ctx.attachmentSizeLimit * 10 + 8 * 1024 * 1024), req.headers['content-type']);
    } finally {
      req.resume();
    }
    if (body.json !== undefined) record.body = body.json;
    if (body.files.length) {
      record.files = body.files.map((f) => ({ field: f.field, filename: f.filename, contentType: f.contentType, size: f.data.length }));
    }
    if (m?.[1] !== '10') throw errors.notFound();
    const candidates = deps.routes.filter((r) => r.pattern.test(path));
    const route = candidates.find((r) => r.method === method);
    if (!route) throw candidates.length ? new ApiError(405, 0, '405: Method Not Allowed') : errors.notFound();
    record.route = `${method} ${route.template}`;
    const params = (route.pattern.exec(path) ?? []).slice(1);
    if (route.auth === 'bot' && record.auth !== 'bot') throw errors.unauthorized();

    const fault = deps.faults.take(method, path);
    if (fault?.kind === '5xx') {
      const status = fault.status ?? 500;
      record.fault = 'injected';
      if (status === 500) return reply(500, { message: '500: Internal Server Error', code: 0 });
      record.status = status;
      res.writeHead(status, { 'content-type': 'text/html' });
      res.end(`<html><head><title>${status}</title></head><body><center><h1>${status}</h1></center></body></html>`);
      return;
    }
    if (fault?.kind === '429') {
      const retryAfter = fault.retryAfter ?? 1;
      Object.assign(record, { fault: 'injected', retryAfter, global: fault.global ?? false });
      return reply(429, rateLimitedBody(retryAfter, fault.global ?? false), {
        'retry-after': String(Math.ceil(retryAfter)),
        'x-ratelimit-scope': fault.global ? 'global' : 'user',
        ...(fault.global ? { 'x-ratelimit-global': 'true' } : {}),
      });
    }

    const { rule, key } = route.bucket(params);
    const verdict = deps.limiter.take(rule, key, route.auth === 'bot');
    headers = verdict.headers;
    if (!verdict.ok) {
      Object.assign(record, { retryAfter: verdict.retryAfter, global: verdict.global });
      return reply(429, rateLimitedBody(verdict.retryAfter, verdict.global));
    }
    const result = await route.handle({ method, path, query: url.searchParams, params, body, auth: record.auth, record });
    reply(result.status, result.body);
  } catch (err) {
    if (err instanceof ApiError) {
      record.code = err.code;
      return reply(err.status, err.body(), err.headers);
    }
    // An emulator bug: answer like Discord's 500, with the cause for whoever debugs the test.
    reply(500, { message: '500: Internal Server Error', code: 0, _emulator_error: String(err instanceof Error ? err.stack : err) });
  }
}
