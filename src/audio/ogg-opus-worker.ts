import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { TranslateError } from '../errors.js';
import type { DecodedWav, DecodeOptions } from './ogg-opus-decode.js';
import type { DecodeReply } from './ogg-opus-worker-thread.js';

/**
 * `decodeOggOpusInWorker`: the same decode as `decodeOggOpusBuffer` (ogg-opus-decode.ts), on a worker thread, so a
 * large or hostile voice message never stalls the main event loop (other jobs' edits, `/healthz`).
 *
 * Contract:
 * - Same results and errors as the in-thread decode: TranslateErrors keep their code and detail across the thread;
 *   other failures are plain Errors with the worker's message.
 * - Workers are pooled: at most one per core decode at once (more callers wait for a free one), an idle worker is
 *   kept for `IDLE_MS` (starting one loads the decoder, and tsx when run from the sources) and never keeps the
 *   process alive. The input is copied to the worker; the WAV comes back transferred, not copied.
 * - `signal` aborting terminates that decode's worker and rejects with CANCELLED.
 */
// Built (dist/, .js) the thread body is plain JavaScript and starts directly; run from the TypeScript sources (tests,
// bench) a worker's fresh module loader first needs tsx, which ogg-opus-worker-entry.mjs registers.
const ENTRY = import.meta.url.endsWith('.js')
  ? new URL('./ogg-opus-worker-thread.js', import.meta.url)
  : new URL('./ogg-opus-worker-entry.mjs', import.meta.url);
const IDLE_MS = 30_000;
const MAX_WORKERS = Math.max(1, availableParallelism());

interface Slot { worker: Worker; idleTimer?: NodeJS.Timeout }

const idle: Slot[] = [];
let busy = 0;
const waiting: Array<() => void> = [];
let nextId = 1;

async function acquire(): Promise<Slot> {
  while (busy >= MAX_WORKERS) await new Promise<void>((resolve) => waiting.push(resolve));
  busy++;
  const slot = idle.pop();
  if (slot) {
    clearTimeout(slot.idleTimer);
    slot.worker.ref();
    return slot;
  }
  return { worker: new Worker(ENTRY) };
}

function release(slot: Slot, reusable: boolean): void {
  busy--;
  waiting.shift()?.();
  if (!reusable) {
    void slot.worker.terminate();
    return;
  }
  slot.worker.unref();
  slot.idleTimer = setTimeout(() => {
    idle.splice(idle.indexOf(slot), 1);
    void slot.worker.terminate();
  }, IDLE_MS).unref();
  idle.push(slot);
}

export async function decodeOggOpusInWorker(data: Buffer, options: DecodeOptions = {}, signal?: AbortSignal): Promise<DecodedWav> {
  if (signal?.aborted) throw new TranslateError('CANCELLED');
  const slot = await acquire();
  if (signal?.aborted) {
    release(slot, true);
    throw new TranslateError('CANCELLED');
  }
  const id = nextId++;
  return new Promise<DecodedWav>((resolve, reject) => {
    const { worker } = slot;
    const cleanup = (reusable: boolean) => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      signal?.removeEventListener('abort', onAbort);
      release(slot, reusable);
    };
    const onMessage = (reply: DecodeReply) => {
      if (reply.id !== id) return;
      cleanup(true);
      if ('error' in reply) {
        const { code, detail, message } = reply.error;
        reject(code ? new TranslateError(code, detail) : new Error(message));
      } else {
        resolve({ wav: Buffer.from(reply.wav, 0, reply.length), durationSecs: reply.durationSecs });
      }
    };
    const onError = (err: Error) => {
      cleanup(false);
      reject(err);
    };
    const onExit = (code: number) => {
      cleanup(false);
      reject(new Error(`the Opus decode worker exited (code ${code}) before answering`));
    };
    const onAbort = () => {
      cleanup(false);
      reject(new TranslateError('CANCELLED'));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    signal?.addEventListener('abort', onAbort, { once: true });
    const copy = new Uint8Array(data); // exactly the file's bytes (a Buffer may be a view of a larger pool slab)
    worker.postMessage({ id, data: copy, options }, [copy.buffer]);
  });
}
