// The HTTP front door: the Web API (POST /api/{method}), the upload URL, file downloads and response_urls.
//
// Web API calls answer HTTP 200 with `{ok:true,…}` or `{ok:false,error}` like Slack. Auth: the token from
// `Authorization: Bearer` (or a `token` argument). None → not_authed; unknown → invalid_auth; the app-level
// xapp- token works only for apps.connections.open and the bot token not there → not_allowed_token_type.
// Unknown method → unknown_method. Then injected faults, then rate limits (rate-limits.ts), then the method.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { fail, str, type ApiResult, type Ctx, type MethodHandler } from './context.js';
import { handleDownload, handleUpload } from './file-hosting.js';
import { BadRequest, bearerToken, decodeJsonFields, parseBody, readBody, sendJson, sendText } from './http-io.js';
import type { FaultQueue, RateLimiter } from './rate-limits.js';
import { handleResponseUrl } from './response-urls.js';

const SCOPES = 'chat:write,commands,files:read,files:write,reactions:read,reactions:write,channels:history,groups:history,im:history,mpim:history,users:read';
const APP_TOKEN_METHODS = new Set(['apps.connections.open']);

interface Deps {
  ctx: Ctx;
  methods: Record<string, MethodHandler>;
  limiter: RateLimiter;
  faults: FaultQueue;
}

export function createRequestHandler(deps: Deps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    route(deps, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendText(res, 500, `emulator error: ${err instanceof Error ? err.message : String(err)}`);
    });
  };
}

async function route(deps: Deps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { ctx } = deps;
  const url = new URL(req.url ?? '/', 'http://emulator.invalid');
  const path = url.pathname;
  let m: RegExpExecArray | null;
  if ((m = /^\/api\/([A-Za-z0-9._]+)$/.exec(path))) return apiCall(deps, req, res, m[1]!, url);
  if ((m = /^\/upload\/v1\/([0-9a-f]+)$/.exec(path)) && req.method === 'POST') {
    return handleUpload(ctx, req, res, m[1]!, await readBody(req));
  }
  if ((m = /^\/files-pri\/([A-Z0-9]+-[A-Z0-9]+)\/(download\/)?[^/]+$/.exec(path)) && (req.method === 'GET' || req.method === 'HEAD')) {
    return handleDownload(ctx, req, res, m[1]!, !!m[2]);
  }
  if (/^\/(actions|commands)\//.test(path) && req.method === 'POST') {
    return handleResponseUrl(ctx, req, res, path, await readBody(req));
  }
  sendText(res, 404, 'Not Found');
}

async function apiCall(deps: Deps, req: IncomingMessage, res: ServerResponse, method: string, url: URL): Promise<void> {
  const { ctx } = deps;
  const raw = await readBody(req);
  let contentType: string;
  let args: Record<string, unknown>;
  try {
    if (req.method === 'GET') {
      contentType = 'query';
      args = decodeJsonFields(Object.fromEntries(url.searchParams));
    } else ({ contentType, args } = await parseBody(req, raw));
  } catch (err) {
    if (!(err instanceof BadRequest)) throw err;
    return sendJson(res, 200, { ok: false, error: err.message });
  }
  const token = bearerToken(req) ?? str(args['token']);
  const { token: _omit, ...recordedArgs } = args;
  const record = (status: number, body: ApiResult | undefined, retryAfter?: number) => {
    ctx.calls.push({
      method,
      args: recordedArgs,
      ...(token !== undefined ? { token } : {}),
      contentType,
      status,
      ok: body?.ok === true,
      ...(body && body.ok === false ? { error: body.error } : status === 429 ? { error: 'ratelimited' } : status >= 500 ? { error: `http_${status}` } : {}),
      ...(retryAfter !== undefined ? { retryAfter } : {}),
      at: ctx.clock.now(),
    });
  };
  const answer = (body: ApiResult) => {
    record(200, body);
    sendJson(res, 200, body, { 'x-oauth-scopes': SCOPES, 'x-accepted-oauth-scopes': 'chat:write' });
  };

  const handler = deps.methods[method];
  if (!handler) return answer(fail('unknown_method', { req_method: method }));
  if (!token) return answer(fail('not_authed'));
  const isApp = token === ctx.appToken;
  if (!isApp && token !== ctx.botToken) return answer(fail('invalid_auth'));
  if (isApp !== APP_TOKEN_METHODS.has(method)) return answer(fail('not_allowed_token_type'));

  const fault = deps.faults.take(method);
  if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
  else if (fault?.kind === 'error') return answer(fail(fault.error));
  else if (fault?.kind === '429') {
    const retryAfter = fault.retryAfter ?? 1;
    record(429, undefined, retryAfter);
    return sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(retryAfter) });
  } else if (fault?.kind === '5xx') {
    const status = fault.status ?? 503;
    record(status, undefined);
    return sendText(res, status, 'upstream service unavailable');
  }

  const verdict = deps.limiter.take(method, str(args['channel']) ?? str(args['channel_id']));
  if (!verdict.ok) {
    record(429, undefined, verdict.retryAfter);
    return sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(verdict.retryAfter) });
  }
  answer(handler(args, { token }));
}
