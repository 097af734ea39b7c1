import { scrubSecrets } from '../logger.js';

/**
 * Health checks for `GET /healthz`.
 *
 * Contract:
 * - A check is an async function that resolves when its dependency works (the store answers, the gateway is
 *   connected…) and throws or rejects when it does not. It receives an `AbortSignal` that fires at the timeout, so a
 *   check that can stop early should; one that ignores it is simply no longer waited for.
 * - All checks run at once, each with its own timeout; the report is ok only when every check is.
 * - A report is safe to show to anyone who can reach the port: a failure keeps only the error's `message` (no stack,
 *   no cause, no properties), scrubbed of registered secrets and credential shapes (see `scrubSecrets`) and cut to
 *   200 characters; a thrown non-Error becomes `check failed` unless it is a string.
 */
export type HealthCheck = (signal: AbortSignal) => Promise<void>;

export interface HealthCheckResult {
  ok: boolean;
  /** Why it failed; absent when ok. */
  error?: string;
  /** How long the check took (or until it timed out), in whole milliseconds. */
  ms: number;
}

export interface HealthReport {
  ok: boolean;
  checks: Record<string, HealthCheckResult>;
}

export const MAX_HEALTH_ERROR_CHARS = 200;

function failureText(err: unknown): string {
  const text = err instanceof Error ? err.message : typeof err === 'string' ? err : 'check failed';
  const clean = scrubSecrets(text).replace(/\s+/g, ' ').trim() || 'check failed';
  return clean.length > MAX_HEALTH_ERROR_CHARS ? `${clean.slice(0, MAX_HEALTH_ERROR_CHARS - 1)}…` : clean;
}

async function runCheck(check: HealthCheck, timeoutMs: number): Promise<HealthCheckResult> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`timed out after ${timeoutMs} ms`);
      controller.abort(err);
      reject(err);
    }, timeoutMs);
  });
  try {
    // a check that throws synchronously is reported like one that rejects
    await Promise.race([Promise.resolve().then(() => check(controller.signal)), timeout]);
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, error: failureText(err), ms: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every check concurrently, each bounded by `timeoutMs`, and says whether all passed. Never rejects. */
export async function healthReport(checks: Record<string, HealthCheck>, timeoutMs = 2000): Promise<HealthReport> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((name) => runCheck(checks[name]!, timeoutMs)));
  const report: HealthReport = { ok: true, checks: {} };
  names.forEach((name, i) => {
    const result = results[i]!;
    report.checks[name] = result;
    if (!result.ok) report.ok = false;
  });
  return report;
}

/**
 * A check that asks a remote service (a platform's API answering for our token) at most once per `okForMs`: a
 * success is kept that long, a failure is not kept (the next request asks again).
 */
export function cachedCheck(check: HealthCheck, okForMs = 30_000, now: () => number = Date.now): HealthCheck {
  let okUntil = 0;
  return async (signal) => {
    if (now() < okUntil) return;
    await check(signal);
    okUntil = now() + okForMs;
  };
}
