import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * The bot's one logger, and the rule that no secret ever reaches its output.
 *
 * Three layers, cheapest first:
 * 1. `redact`: keys that hold credentials (`apiKey`, `token`, `authorization`, …) at the top level and one or two
 *    levels down are replaced by `[redacted]` before serialization.
 * 2. Error serializer (for `err`, `error` and `cause`): keeps what helps debugging — type, message, stack, code,
 *    status, method, url, request id, Slack's `data.error`, the cause chain — and drops everything else an SDK
 *    hangs on its errors (response headers, request bodies with files and tokens, raw responses).
 * 3. A final pass over every serialized line (pino's `streamWrite` hook, so child loggers and message strings are
 *    covered too) that replaces each value passed to `registerSecrets` and every well-known credential shape
 *    (`Bearer …`/`Bot …` headers, `sk-…` API keys, Slack `xox?-`/`xapp-` tokens, Discord bot tokens, interaction and
 *    webhook tokens in Discord URLs).
 */

const CENSOR = '[redacted]';

/** Keys whose values are credentials wherever they appear (layer 1). */
const SECRET_KEYS = [
  'apiKey', 'api_key', 'token', 'accessToken', 'botToken', 'appToken', 'signingSecret', 'clientSecret', 'password',
  'authorization', 'Authorization', 'cookie', 'Cookie',
];
const REDACT = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'headers.authorization', 'headers.Authorization', '*.headers.authorization', '*.headers.Authorization',
  '*.*.headers.authorization', '*.*.headers.Authorization',
];

/** Credential shapes scrubbed even when nobody registered them (layer 3). */
const SHAPES: Array<[RegExp, string]> = [
  [/\b(Bearer)\s+[A-Za-z0-9._~+/=-]{16,}/gi, `$1 ${CENSOR}`],
  [/\b(Bot)\s+[A-Za-z0-9._~+/=-]{20,}/g, `$1 ${CENSOR}`],
  [/\bsk-[A-Za-z0-9_-]{16,}/g, CENSOR],
  [/\bxox[abeoprs]-[A-Za-z0-9-]{10,}/g, CENSOR],
  [/\bxapp-[A-Za-z0-9-]{10,}/g, CENSOR],
  // Discord bot tokens: base64 user id . timestamp . HMAC
  [/\b[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}/g, CENSOR],
  // interaction and webhook tokens are path segments of Discord URLs
  [/\/(webhooks|interactions)\/(\d{15,25})\/[A-Za-z0-9_.-]{20,}/g, `/$1/$2/${CENSOR}`],
];

/** Registered values shorter than this are ignored: scrubbing them would mangle ordinary words. */
const MIN_SECRET_LENGTH = 8;
const secrets = new Set<string>();
let secretPattern: RegExp | undefined;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Registers the configured secret values (API key, bot tokens, signing secret) so that they are replaced by
 * `[redacted]` in every log line, from any logger, wherever they appear: values, messages, stacks, URLs.
 * Call it once at start with everything `loadConfig` returned; `undefined`, empty and short (< 8 chars) values are
 * ignored, calling it again adds to the set.
 */
export function registerSecrets(...values: Array<string | undefined>): void {
  for (const value of values) {
    if (!value || value.length < MIN_SECRET_LENGTH) continue;
    secrets.add(value);
    secrets.add(JSON.stringify(value).slice(1, -1)); // as it appears inside a JSON string
  }
  const alternatives = [...secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
  secretPattern = alternatives.length ? new RegExp(alternatives.join('|'), 'g') : undefined;
}

/**
 * `text` with every registered secret and every well-known credential shape replaced by `[redacted]`.
 * The logger applies it to each line; use it for anything else that leaves the process (health reports).
 */
export function scrubSecrets(text: string): string {
  let out = secretPattern ? text.replace(secretPattern, CENSOR) : text;
  for (const [shape, replacement] of SHAPES) out = out.replace(shape, replacement);
  return out;
}

const ERROR_FIELDS = ['code', 'status', 'statusCode', 'method', 'url', 'requestID', 'param', 'errno', 'syscall'] as const;
const SLACK_DATA_FIELDS = ['error', 'needed', 'provided'] as const;
const MAX_CAUSE_DEPTH = 4;

function isErrorLike(value: unknown): value is Error {
  return value instanceof Error ||
    (typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string' &&
      typeof (value as { stack?: unknown }).stack === 'string');
}

/** Layer 2: an error as a small plain object of the fields worth logging; anything else is returned as it is. */
export function serializeError(value: unknown, depth = 0): unknown {
  if (!isErrorLike(value)) return value;
  const err = value as Error & Record<string, unknown>;
  const out: Record<string, unknown> = { type: err.constructor?.name || err.name, message: err.message, stack: err.stack };
  for (const field of ERROR_FIELDS) {
    const v = err[field];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[field] = v;
  }
  if (typeof err.data === 'object' && err.data !== null) {
    const data = err.data as Record<string, unknown>;
    const kept = Object.fromEntries(SLACK_DATA_FIELDS.filter((f) => typeof data[f] === 'string').map((f) => [f, data[f]]));
    if (Object.keys(kept).length) out.data = kept;
  }
  if (depth < MAX_CAUSE_DEPTH) {
    if (err.cause !== undefined) out.cause = isErrorLike(err.cause) ? serializeError(err.cause, depth + 1) : String(err.cause);
    // Slack's WebAPIRequestError wraps the HTTP client's error, whose request config carries the bearer token
    if (isErrorLike(err.original) && err.original !== err.cause) out.original = serializeError(err.original, depth + 1);
    if (Array.isArray(err.errors)) out.errors = err.errors.slice(0, 5).map((e: unknown) => serializeError(e, depth + 1));
  }
  return out;
}

/** The bot's one logger; pass it down and use `logger.child({ jobId })` per job. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT, censor: CENSOR },
      serializers: { err: serializeError, error: serializeError, cause: serializeError },
      hooks: { streamWrite: scrubSecrets },
    },
    destination ?? pino.destination(2),
  );
}
