import { parentPort } from 'node:worker_threads';
import { TranslateError } from '../errors.js';
import { decodeOggOpusBuffer, type DecodeOptions } from './ogg-opus-decode.js';

/**
 * Body of the decode worker thread (ogg-opus-worker.ts starts it): answers each `{ id, data, options }` with
 * `{ id, wav, durationSecs }` (the WAV's memory is transferred, not copied) or `{ id, error }`, one at a time.
 */
export type DecodeRequest = { id: number; data: Uint8Array; options: DecodeOptions };
export type DecodeReply =
  | { id: number; wav: ArrayBuffer; length: number; durationSecs: number }
  | { id: number; error: { message: string; code?: TranslateError['code']; detail?: string | undefined } };

parentPort!.on('message', ({ id, data, options }: DecodeRequest) => {
  let reply: DecodeReply;
  try {
    const { wav, durationSecs } = decodeOggOpusBuffer(Buffer.from(data.buffer, data.byteOffset, data.byteLength), options);
    // decodeOggOpusBuffer allocates the WAV once (its own ArrayBuffer, at offset 0), so it is transferred, not copied;
    // anything else (never expected) is copied into a fresh ArrayBuffer first, never a shared pool slab
    const own = wav.byteOffset === 0 && wav.buffer instanceof ArrayBuffer ? wav.buffer : new Uint8Array(wav).buffer;
    reply = { id, wav: own, length: wav.byteLength, durationSecs };
    parentPort!.postMessage(reply, [own]);
    return;
  } catch (err) {
    const e = err as Error;
    reply = { id, error: err instanceof TranslateError ? { message: e.message, code: err.code, detail: err.detail } : { message: e.message } };
  }
  parentPort!.postMessage(reply);
});
