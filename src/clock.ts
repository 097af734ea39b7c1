/**
 * Time as an injectable dependency, so that rate limits, intervals and retries can be tested with fake time.
 *
 * Contract:
 * - `now()` is milliseconds on the same scale as `Date.now()`; it never goes backwards within one test or process.
 * - `sleep(ms, signal)` resolves after at least `ms` (0 or less: on a later macrotask). When `signal` aborts first, it
 *   rejects with `signal.reason` and cancels its timer, so an abandoned wait keeps nothing alive.
 */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock, built on `Date.now` and `setTimeout`, so vitest's fake timers drive it too. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
