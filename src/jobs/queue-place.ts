import type { Clock } from '../clock.js';

/** At most one rewrite of a waiting reply for its place in the model queue in this long. */
export const QUEUE_PLACE_EVERY_MS = 5_000;

/**
 * How far the place must move from the one on screen before it is shown again: every place up to 5th, then in
 * steps of 5 up to 20th, then of 10. "143rd in line" becoming "141st" is not worth a counted write; "9th" → "4th" is.
 */
export function placeStep(place: number): number {
  return place <= 5 ? 1 : place <= 20 ? 5 : 10;
}

/**
 * Decides when a waiting job's reply shows its place in the model queue (`FairQueue` reports every change, which
 * at 200 waiting jobs is about one rewrite per job per second, all counted against the platform's limits):
 *
 * - the first place is shown at once (the reply tells the user it waits);
 * - later places only when they moved by a step (`placeStep`) from the one on screen, and at most once every
 *   `everyMs`; a change held back by the interval is shown when it ends, if it is still a step away;
 * - the turn coming (place 0) drops the line without a rewrite of its own: the first translated text carries it.
 *
 * `show(place, rewrite)`: set the header to `place` (undefined: no line), rewriting the reply when `rewrite`. The
 * reply stream makes those rewrites at the lowest budget priority (`ReplyStream.refresh`).
 */
export class QueuePlaceShown {
  private shown: number | undefined;
  private latest = 0;
  private lastAt = -Infinity;
  private timer: AbortController | undefined;
  private stopped = false;

  constructor(
    private readonly show: (place: number | undefined, rewrite: boolean) => void,
    private readonly clock: Clock,
    private readonly everyMs = QUEUE_PLACE_EVERY_MS,
  ) {}

  update(place: number): void {
    if (this.stopped) return;
    this.latest = place;
    if (place <= 0) {
      this.stop();
      this.show(undefined, false);
      return;
    }
    if (this.shown === undefined) {
      this.write();
      return;
    }
    this.consider();
  }

  /** No more updates (the job's turn came, or it ended): a pending timer is dropped. */
  stop(): void {
    this.stopped = true;
    this.timer?.abort();
    this.timer = undefined;
  }

  private consider(): void {
    const shown = this.shown!;
    if (Math.abs(this.latest - shown) < placeStep(Math.min(this.latest, shown))) return;
    const wait = this.lastAt + this.everyMs - this.clock.now();
    if (wait <= 0) {
      this.write();
      return;
    }
    if (this.timer) return;
    const timer = new AbortController();
    this.timer = timer;
    this.clock.sleep(wait, timer.signal).then(() => {
      if (this.timer !== timer) return;
      this.timer = undefined;
      if (!this.stopped) this.consider();
    }, () => undefined);
  }

  private write(): void {
    this.shown = this.latest;
    this.lastAt = this.clock.now();
    this.show(this.latest, true);
  }
}
