import { asTranslateError, isTranslateError } from '../errors.js';
import { ReplyStream } from './reply-stream.js';
import type { ReplyOutcome, ReplyStreamOptions } from './types.js';

export interface StreamReplyOptions<M = unknown> extends ReplyStreamOptions<M> {
  /** Aborting stops reading the deltas and ends the reply as cancelled, keeping the text shown so far. */
  signal?: AbortSignal;
  /** Called once the deltas ran out normally, to fill in the done outcome (e.g. truncated by the output cap). */
  describeDone?: () => { truncated?: boolean; footer?: string };
}

const ABORTED = Symbol('aborted');

/**
 * Drives a `ReplyStream` from `deltas`: posts part 0 at once, appends every delta, and ends the reply with
 * done (the iterable completed), cancelled (`signal` aborted, or the iterable threw a CANCELLED error) or failed
 * (anything else it threw, as a `TranslateError`; other errors become INTERNAL).
 *
 * Resolves with the outcome shown once every final view landed; rejects only if a final view could not be written.
 */
export async function streamReply<M>(
  deltas: AsyncIterable<string>,
  options: StreamReplyOptions<M>,
): Promise<ReplyOutcome> {
  const stream = new ReplyStream<M>(options);
  stream.start().catch(() => undefined); // a failed first post is retried by the next write
  const outcome = await consume(deltas, stream, options);
  await stream.end(outcome);
  return outcome;
}

async function consume<M>(
  deltas: AsyncIterable<string>,
  stream: ReplyStream<M>,
  options: StreamReplyOptions<M>,
): Promise<ReplyOutcome> {
  const { signal } = options;
  if (signal?.aborted) return { status: 'cancelled' };
  const iterator = deltas[Symbol.asyncIterator]();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<typeof ABORTED>((resolve) => {
    onAbort = () => resolve(ABORTED);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    for (;;) {
      const next = iterator.next();
      next.catch(() => undefined); // after an abort nobody waits for it
      const result = await Promise.race([next, aborted]);
      if (result === ABORTED) {
        Promise.resolve()
          .then(() => iterator.return?.())
          .catch(() => undefined);
        return { status: 'cancelled' };
      }
      if (result.done) return { status: 'done', ...options.describeDone?.() };
      stream.append(result.value);
    }
  } catch (err) {
    if (signal?.aborted || isTranslateError(err, 'CANCELLED')) return { status: 'cancelled' };
    return { status: 'failed', error: asTranslateError(err) };
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
