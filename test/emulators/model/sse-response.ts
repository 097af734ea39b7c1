// Sends a planned stream as server-sent events (`data: {json}\n\n`), paced, with the mid-stream
// faults: output moderation, a cut connection, a stall.

import type { ServerResponse } from 'node:http';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { errorBody, OUTPUT_INSPECTION_MESSAGE } from './error-bodies.js';

export type StreamFault =
  | { kind: 'output-moderation'; afterChunks: number }
  | { kind: 'cut'; afterChunks: number }
  | { kind: 'stall'; afterChunks: number };

export interface SendOptions {
  requestId: string;
  /** Milliseconds to wait before each chunk. */
  delayMs: () => number;
  /** Extra milliseconds before the usage chunk (the one with `choices: []`). */
  usageDelayMs?: number;
  sendDone: boolean;
  fault?: StreamFault;
  /** Called with each chunk right after it was handed to the socket (for timing records). */
  onSent?: (chunk: object) => void;
}

/** Writes and resolves once the data was handed to the socket (or the response is gone). */
function write(res: ServerResponse, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve();
    const onClose = (): void => resolve();
    res.once('close', onClose);
    res.write(text, () => {
      res.off('close', onClose);
      resolve();
    });
  });
}

function whenClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed || res.writableFinished) return resolve();
    res.once('close', () => resolve());
  });
}

export async function sendStream(res: ServerResponse, chunks: object[], opts: SendOptions): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream;charset=UTF-8',
    'cache-control': 'no-cache',
    'x-request-id': opts.requestId,
  });
  res.flushHeaders();
  const fault = opts.fault;
  for (let i = 0; i <= chunks.length; i++) {
    if (fault && i === Math.max(0, fault.afterChunks)) {
      if (fault.kind === 'output-moderation') {
        const body = errorBody(
          { message: OUTPUT_INSPECTION_MESSAGE, type: 'data_inspection_failed', code: 'data_inspection_failed' },
          opts.requestId,
        );
        await write(res, `data: ${JSON.stringify(body)}\n\n`);
        res.end();
      } else if (fault.kind === 'cut') {
        res.socket?.destroy();
        res.destroy();
      } else {
        await whenClosed(res); // stall: hang until the client gives up or the emulator closes
      }
      return;
    }
    if (i === chunks.length) break;
    const usageChunk = (chunks[i] as { choices?: unknown[] }).choices?.length === 0;
    const delay = opts.delayMs() + (usageChunk ? opts.usageDelayMs ?? 0 : 0);
    if (delay > 0) await sleep(delay);
    else await nextTurn();
    if (res.destroyed) return; // the client went away
    await write(res, `data: ${JSON.stringify(chunks[i])}\n\n`);
    opts.onSent?.(chunks[i]!);
  }
  if (opts.sendDone) await write(res, 'data: [DONE]\n\n');
  res.end();
}

/**
 * Sends `next(0)`, `next(1)`, ... forever, paced by `delayMs`, until the client hangs up or the emulator closes (the
 * `endless` fault: a model that never stops).
 */
export async function sendEndlessStream(
  res: ServerResponse,
  next: (i: number) => object,
  opts: Pick<SendOptions, 'requestId' | 'delayMs' | 'onSent'>,
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream;charset=UTF-8',
    'cache-control': 'no-cache',
    'x-request-id': opts.requestId,
  });
  res.flushHeaders();
  for (let i = 0; !res.destroyed; i++) {
    const delay = opts.delayMs();
    if (delay > 0) await sleep(delay);
    else await nextTurn();
    if (res.destroyed) return;
    const chunk = next(i);
    await write(res, `data: ${JSON.stringify(chunk)}\n\n`);
    opts.onSent?.(chunk);
  }
}
