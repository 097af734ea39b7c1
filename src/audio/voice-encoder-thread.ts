import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority } from './thread-priority.js';
import { InlineVoiceEncoder } from './voice-encoder.js';

/**
 * Body of a voice-encoder pool thread (voice-encoder-pool.ts starts it): hosts any number of encoder sessions, each
 * an `InlineVoiceEncoder`, in the order their messages arrive. Replies: `progress` when a session's Ogg bytes grew
 * (a page was completed), `note` with the finished file (its memory transferred), `error` when a session failed
 * (it is then gone).
 */
export type EncoderRequest =
  | { op: 'open'; id: number; sampleRate: number; bitrate: number }
  | { op: 'write'; id: number; pcm: Int16Array }
  | { op: 'finish'; id: number }
  | { op: 'abort'; id: number };
export type EncoderReply =
  | { op: 'progress'; id: number; bytes: number; samples: number }
  | { op: 'note'; id: number; ogg: ArrayBuffer; length: number; durationSecs: number; waveform: string; sampleRate: number; samples: number }
  | { op: 'error'; id: number; message: string };

lowerThreadPriority((workerData as { nice?: number } | undefined)?.nice ?? 0);

const sessions = new Map<number, InlineVoiceEncoder>();
const port = parentPort!;

function failed(id: number, err: unknown): void {
  sessions.get(id)?.abort();
  sessions.delete(id);
  port.postMessage({ id, op: 'error', message: (err as Error).message } satisfies EncoderReply);
}

port.on('message', (request: EncoderRequest) => {
  const { id } = request;
  if (request.op === 'open') {
    try {
      sessions.set(id, new InlineVoiceEncoder({ sampleRate: request.sampleRate as 24000, bitrate: request.bitrate }));
    } catch (err) {
      failed(id, err);
    }
    return;
  }
  const encoder = sessions.get(id);
  if (!encoder) return; // already failed or aborted
  if (request.op === 'write') {
    try {
      const before = encoder.bytesSoFar;
      encoder.write(request.pcm);
      if (encoder.bytesSoFar !== before) {
        port.postMessage({ id, op: 'progress', bytes: encoder.bytesSoFar, samples: encoder.samplesWritten } satisfies EncoderReply);
      }
    } catch (err) {
      failed(id, err);
    }
  } else if (request.op === 'abort') {
    encoder.abort();
    sessions.delete(id);
  } else {
    sessions.delete(id);
    encoder.finish().then(
      (note) => {
        // a small Buffer may be a view of a shared pool slab: only a buffer of its own is transferred
        const own = note.ogg.byteOffset === 0 && note.ogg.byteLength === note.ogg.buffer.byteLength && note.ogg.buffer instanceof ArrayBuffer
          ? note.ogg.buffer
          : new Uint8Array(note.ogg).buffer;
        const reply: EncoderReply = { id, op: 'note', ogg: own, length: note.ogg.byteLength, durationSecs: note.durationSecs, waveform: note.waveform, sampleRate: note.sampleRate, samples: note.samples };
        port.postMessage(reply, [own]);
      },
      (err: unknown) => port.postMessage({ id, op: 'error', message: (err as Error).message } satisfies EncoderReply),
    );
  }
});
