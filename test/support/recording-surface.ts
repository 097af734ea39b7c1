import { systemClock, type Clock } from '../../src/clock.js';
import type { ReplySurface, ReplyView } from '../../src/reply/types.js';

/** One call a `RecordingSurface` received. `at` is when it was called, `doneAt` when it returned or threw. */
export interface RecordedWrite {
  kind: 'post' | 'edit';
  /** The message written: a new id for a post (0 if the post threw), the edited id for an edit. */
  message: number;
  view: ReplyView;
  at: number;
  doneAt?: number;
  ok: boolean;
}

export interface RecordingSurfaceOptions {
  maxTextLength: number;
  clock?: Clock;
  /** How long each call takes, in clock time: a number or a function of the call's index (0-based). */
  latencyMs?: number | ((index: number) => number);
}

/**
 * A fake reply surface for core tests (the "recording fake surface" layer): records every post and edit with the
 * clock's time, keeps what each message currently shows, and can be made slow or to fail on demand.
 */
export class RecordingSurface implements ReplySurface<number> {
  readonly maxTextLength: number;
  readonly calls: RecordedWrite[] = [];
  /** What each message shows now, by id (ids start at 1 in post order). */
  readonly shown = new Map<number, ReplyView>();
  maxInFlight = 0;
  private inFlight = 0;
  private nextId = 1;
  private failures: Array<(call: RecordedWrite) => boolean> = [];
  private readonly clock: Clock;
  private readonly latency: (index: number) => number;

  constructor(options: RecordingSurfaceOptions) {
    this.maxTextLength = options.maxTextLength;
    this.clock = options.clock ?? systemClock;
    const latency = options.latencyMs ?? 0;
    this.latency = typeof latency === 'number' ? () => latency : latency;
  }

  /** The next `count` calls matching `match` (default: any) throw. */
  failNext(count = 1, match: (call: RecordedWrite) => boolean = () => true): void {
    let left = count;
    this.failures.push((call) => {
      if (left <= 0 || !match(call)) return false;
      left--;
      return true;
    });
  }

  post(view: ReplyView): Promise<number> {
    return this.call('post', 0, view);
  }

  async edit(message: number, view: ReplyView): Promise<void> {
    await this.call('edit', message, view);
  }

  /** Views in call order, successful calls only: what a user saw, message by message. */
  landed(): Array<{ kind: 'post' | 'edit'; message: number; view: ReplyView; at: number }> {
    return this.calls.filter((c) => c.ok).map(({ kind, message, view, at }) => ({ kind, message, view, at }));
  }

  /**
   * Every call as one line, for exact assertions:
   * `post@0 #1 p0 ""`, `edit@1000 #1 p0 "Hello" final done`, `edit@2000 #1 p0 "Hello" FAILED`.
   */
  transcript(): string[] {
    return this.calls.map(({ kind, message, view, at, ok }) =>
      [
        `${kind}@${at}`,
        `#${message}`,
        `p${view.part}`,
        JSON.stringify(view.text),
        view.final ? 'final' : '',
        view.continued ? 'continued' : '',
        view.outcome?.status ?? '',
        ok ? '' : 'FAILED',
      ]
        .filter(Boolean)
        .join(' '),
    );
  }

  /** The text of each message in post order, once every message is final. */
  finalTexts(): string[] {
    const views = [...this.shown.values()];
    if (views.some((v) => !v.final)) throw new Error(`not all messages are final: ${JSON.stringify(views)}`);
    return views.map((v) => v.text);
  }

  private async call(kind: 'post' | 'edit', message: number, view: ReplyView): Promise<number> {
    const record: RecordedWrite = { kind, message, view: { ...view }, at: this.clock.now(), ok: false };
    const index = this.calls.length;
    this.calls.push(record);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const ms = this.latency(index);
      if (ms > 0) await this.clock.sleep(ms);
      if (view.text.length > this.maxTextLength) throw new Error(`text of ${view.text.length} > ${this.maxTextLength}`);
      if (kind === 'edit' && this.shown.get(message)?.final) throw new Error(`message ${message} edited after final`);
      if (this.failures.some((fail) => fail(record))) throw new Error(`injected ${kind} failure`);
      if (kind === 'post') record.message = this.nextId++;
      this.shown.set(record.message, record.view);
      record.ok = true;
      return record.message;
    } finally {
      record.doneAt = this.clock.now();
      this.inFlight--;
    }
  }
}
