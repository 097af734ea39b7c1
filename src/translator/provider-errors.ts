import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from 'openai';
import { TranslateError, type ErrorCode } from '../errors.js';

/** The service's own words, shortened: useful to the user for refusals (e.g. InvalidParameter), never secret. */
function said(err: APIError): string | undefined {
  const message = (err.error as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && message ? `(The service said: ${message.slice(0, 200)})` : undefined;
}

const BY_STATUS: Record<number, ErrorCode> = {
  401: 'PROVIDER_AUTH',
  403: 'PROVIDER_ACCESS_DENIED',
  404: 'PROVIDER_REJECTED',
  408: 'PROVIDER_TIMEOUT',
  413: 'PROVIDER_TOO_LARGE',
  429: 'RATE_LIMITED',
};

function isSocketFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && /^(UND_ERR_SOCKET|ECONNRESET|EPIPE|UND_ERR_BODY_TIMEOUT)$/.test(code)) return true;
    if (typeof message === 'string' && /terminated|other side closed|socket hang up/i.test(message)) return true;
  }
  return false;
}

/**
 * Any error from the openai SDK (or the fetch under it) → our TranslateError. `streaming` says whether the response
 * had started: a connection failure then means the stream was cut, before it that the service could not be reached.
 */
export function mapProviderError(err: unknown, streaming: boolean, signal?: AbortSignal): TranslateError {
  if (err instanceof TranslateError) return err;
  if (signal?.aborted || err instanceof APIUserAbortError) return new TranslateError('CANCELLED', undefined, { cause: err });
  if (err instanceof APIConnectionTimeoutError) return new TranslateError('PROVIDER_TIMEOUT', undefined, { cause: err });
  if (err instanceof APIConnectionError) {
    return new TranslateError(streaming ? 'STREAM_CUT' : 'PROVIDER_UNAVAILABLE', undefined, { cause: err });
  }
  if (err instanceof APIError) {
    const code = typeof err.code === 'string' ? err.code : '';
    if (code === 'data_inspection_failed') {
      // Before the stream: the input was refused. During it (no HTTP status): the output was.
      return new TranslateError(err.status ? 'INPUT_MODERATED' : 'OUTPUT_MODERATED', undefined, { cause: err });
    }
    if (code === 'Arrearage') return new TranslateError('PROVIDER_ARREARS', undefined, { cause: err });
    if (err.status === undefined) return new TranslateError('STREAM_CUT', said(err), { cause: err });
    const mapped = BY_STATUS[err.status] ?? (err.status >= 500 ? 'PROVIDER_UNAVAILABLE' : 'PROVIDER_REJECTED');
    const detail = mapped === 'PROVIDER_REJECTED' ? said(err) : undefined;
    return new TranslateError(mapped, detail, { cause: err });
  }
  if (isSocketFailure(err)) return new TranslateError(streaming ? 'STREAM_CUT' : 'PROVIDER_UNAVAILABLE', undefined, { cause: err });
  if (err instanceof SyntaxError) return new TranslateError('STREAM_CUT', '(the service sent a malformed chunk)', { cause: err });
  return new TranslateError('INTERNAL', undefined, { cause: err });
}

/** Longest wait a `retry-after` is honoured for: the service's limits are per minute. */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * How long the service asked us to wait before trying again, ms: its `retry-after-ms` header, else `retry-after` in
 * seconds or as an HTTP date; at most `MAX_RETRY_AFTER_MS`. Undefined when the error carries neither.
 */
export function retryAfterMs(err: unknown, now = Date.now()): number | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    if (!(e instanceof APIError) || !e.headers) continue;
    const ms = Number.parseFloat(e.headers.get('retry-after-ms') ?? '');
    if (Number.isFinite(ms)) return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
    const header = e.headers.get('retry-after');
    if (!header) return undefined;
    const seconds = Number(header);
    const wait = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
    return Number.isFinite(wait) ? Math.min(MAX_RETRY_AFTER_MS, Math.max(0, wait)) : undefined;
  }
  return undefined;
}
