import { TranslateError } from '../errors.js';

/**
 * The per-user abuse limit: at most `perMinute` triggers in any 60-second window per key (platform:user). Normal
 * bursts (a member flagging six voice notes while catching up) stay far below it and are queued by the fair queue;
 * only a flood is refused, with the seconds until the oldest trigger leaves the window. In memory, per process.
 */
export class TriggerRate {
  private readonly windows = new Map<string, number[]>();
  /** When each key was last told it is over the limit. */
  private readonly told = new Map<string, number>();

  constructor(private readonly perMinute: number, private readonly now: () => number = Date.now) {}

  /** Users with a window kept (pruned past 10,000 to those active in the last minute). */
  get size(): number {
    return this.windows.size;
  }

  /** Counts one trigger of `key`, or throws TOO_MANY_TRIGGERS (counting nothing) when the window is full. */
  take(key: string): void {
    if (!(this.perMinute > 0)) return;
    const t = this.now();
    const recent = (this.windows.get(key) ?? []).filter((at) => t - at < 60_000);
    if (recent.length >= this.perMinute) {
      const wait = Math.max(1, Math.ceil((60_000 - (t - recent[0]!)) / 1000));
      this.windows.set(key, recent);
      throw new TranslateError('TOO_MANY_TRIGGERS', `(More than ${this.perMinute} a minute; try again in ${wait} s.)`);
    }
    recent.push(t);
    this.windows.set(key, recent);
    if (this.windows.size > 10_000) this.prune(t);
  }

  /**
   * Whether a refusal of `key` should be shown: true once per 60-second window (and remembered), false for the
   * refusals after it. A flood of flags would otherwise get one notice per refused reaction.
   */
  shouldTell(key: string): boolean {
    const t = this.now();
    const last = this.told.get(key);
    if (last !== undefined && t - last < 60_000) return false;
    this.told.set(key, t);
    if (this.told.size > 10_000) this.prune(t);
    return true;
  }

  private prune(t: number): void {
    for (const [k, times] of this.windows) if (times.every((at) => t - at >= 60_000)) this.windows.delete(k);
    for (const [k, at] of this.told) if (t - at >= 60_000) this.told.delete(k);
  }
}
