import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { VoiceNote } from './voice-encoder.js';
import type { EncoderReply, EncoderRequest } from './voice-encoder-thread.js';

/**
 * The worker threads `VoiceEncoder` runs on (see its contract in voice-encoder.ts): Opus encoding is most of the
 * CPU a translation costs, and on the main thread it ran in 150-300 ms stretches when many jobs streamed at once.
 *
 * Contract:
 * - At most `voiceEncoderWorkers()` threads (default min(2, cores); `setVoiceEncoderWorkers`, which the CLI calls
 *   with `LIVETRANSLATE_OPUS_WORKERS`; 0 = encode on the calling thread). Each thread hosts any number of encoder
 *   sessions; a new session goes to the thread with the fewest open sessions (a new thread is started while fewer
 *   than the size run and every running one is in use).
 * - A thread with open sessions keeps the process alive; an idle one never does and ends after `IDLE_MS`, so a CLI
 *   run exits as soon as its note is made. `shutdownVoiceEncoderPool` ends every thread at once.
 * - A thread that dies (crash, out of memory, terminated) fails each of its sessions with an Error: `write` throws
 *   it, a pending or later `finish` rejects with it. Nothing is retried (the PCM is not kept on the main thread),
 *   and nothing hangs. The next session gets a new thread.
 * - The threads run at a lower CPU priority than the main thread (`setVoiceEncoderNice`, default nice 10).
 * - PCM slices are copied into batches of 0.4 s handed over to the thread (one message per batch); the finished file
 *   comes back transferred.
 */
// Built (dist/, .js) the thread body is plain JavaScript and starts directly; run from the TypeScript sources (tests,
// bench) a worker's fresh module loader first needs tsx, which voice-encoder-entry.mjs registers.
const ENTRY = import.meta.url.endsWith('.js')
  ? new URL('./voice-encoder-thread.js', import.meta.url)
  : new URL('./voice-encoder-entry.mjs', import.meta.url);
const IDLE_MS = 30_000;
/**
 * Audio sent to a thread per message. The rest of a note (at most this much) is encoded after `finish`: 20 frames,
 * a few ms; `bytesSoFar` counts what waits here in its estimate.
 */
const BATCH_SECS = 0.4;

let size: number | undefined;
/**
 * The threads' CPU priority, as a nice value (thread-priority.ts): encoding is background work, so under load the
 * main thread's event loop (interaction acks, streamed edits) gets the cores first. 0 = the main thread's priority.
 */
let nice = 10;

/** Threads the pool may run; 0 means `VoiceEncoder` encodes on the calling thread. */
export function voiceEncoderWorkers(): number {
  return (size ??= Math.min(2, availableParallelism()));
}

/** Sets the pool's size (0 = encode on the calling thread, the behaviour before the pool); running threads stay. */
export function setVoiceEncoderWorkers(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`setVoiceEncoderWorkers: invalid count ${n}`);
  size = n;
}

/** Sets the priority of threads started from now on (0 = as the main thread: the behaviour before, for the bench). */
export function setVoiceEncoderNice(n: number): void {
  nice = n;
}

interface Member {
  worker: Worker;
  sessions: Map<number, PooledEncoder>;
  idleTimer?: NodeJS.Timeout | undefined;
  /** Why the thread failed (its 'error' event comes before 'exit'). */
  error?: Error | undefined;
}

const members: Member[] = [];
let nextId = 1;

function start(): Member {
  const member: Member = { worker: new Worker(ENTRY, { workerData: { nice } }), sessions: new Map() };
  const { worker } = member;
  worker.unref();
  worker.on('message', (reply: EncoderReply) => member.sessions.get(reply.id)?.receive(reply));
  worker.on('error', (err: Error) => (member.error ??= err));
  worker.on('exit', (code: number) => {
    clearTimeout(member.idleTimer);
    const at = members.indexOf(member);
    if (at >= 0) members.splice(at, 1);
    const reason = new Error(`the Opus encode worker stopped (exit code ${code})${member.error ? `: ${member.error.message}` : ''}`, { cause: member.error });
    const open = [...member.sessions.values()];
    member.sessions.clear();
    for (const session of open) session.fail(reason);
  });
  members.push(member);
  return member;
}

function pick(): Member {
  let best: Member | undefined;
  for (const m of members) if (!best || m.sessions.size < best.sessions.size) best = m;
  if (!best || (best.sessions.size > 0 && members.length < voiceEncoderWorkers())) return start();
  return best;
}

function opened(member: Member, session: PooledEncoder): void {
  if (member.sessions.size === 0) {
    clearTimeout(member.idleTimer);
    member.idleTimer = undefined;
    member.worker.ref();
  }
  member.sessions.set(session.id, session);
}

function closed(member: Member, session: PooledEncoder): void {
  if (!member.sessions.delete(session.id) || member.sessions.size > 0) return;
  member.worker.unref();
  member.idleTimer = setTimeout(() => {
    // out of the pool first: no new session may pick a thread that is ending
    const at = members.indexOf(member);
    if (at >= 0) members.splice(at, 1);
    void member.worker.terminate();
  }, IDLE_MS).unref();
}

/** Ends every thread now; their open sessions fail (see the contract). */
export async function shutdownVoiceEncoderPool(): Promise<void> {
  await Promise.all([...members].map((m) => m.worker.terminate()));
}

/** The running threads, for tests (e.g. to terminate one mid-note). */
export function voiceEncoderThreads(): readonly Worker[] {
  return members.map((m) => m.worker);
}

/** One encoder on a pool thread; `VoiceEncoder` delegates to it. */
export class PooledEncoder {
  readonly id = nextId++;
  private readonly member: Member;
  private readonly bytesPerSample: number;
  private posted = 0; // samples sent to the thread
  private reportedBytes: number;
  private reportedSamples = 0;
  private finalBytes: number | undefined;
  private closed = false;
  private failure: Error | undefined;
  private pending: { resolve: (note: VoiceNote) => void; reject: (err: Error) => void } | undefined;
  private readonly batchSamples: number;
  private batch: Int16Array | undefined;
  private batched = 0;

  constructor(options: { sampleRate: number; bitrate: number }, headerBytes: number) {
    this.bytesPerSample = options.bitrate / 8 / options.sampleRate;
    this.batchSamples = Math.round(options.sampleRate * BATCH_SECS);
    this.reportedBytes = headerBytes;
    this.member = pick();
    opened(this.member, this);
    this.post({ op: 'open', id: this.id, sampleRate: options.sampleRate, bitrate: options.bitrate });
  }

  get bytesSoFar(): number {
    return this.finalBytes ?? Math.round(this.reportedBytes + (this.posted - this.reportedSamples) * this.bytesPerSample);
  }

  /**
   * Copies the slice into the current batch; a full batch (`BATCH_SECS` of audio) goes to the thread, handed over
   * (one message per batch rather than per slice: a message costs the main thread more than copying samples).
   */
  write(samples: Int16Array): void {
    this.assertOpen();
    let at = 0;
    while (at < samples.length) {
      this.batch ??= new Int16Array(this.batchSamples);
      const take = Math.min(samples.length - at, this.batchSamples - this.batched);
      this.batch.set(samples.subarray(at, at + take), this.batched);
      this.batched += take;
      at += take;
      if (this.batched === this.batchSamples) this.flush();
    }
    this.posted += samples.length;
  }

  /** Sends the batch so far to the thread. */
  private flush(): void {
    if (!this.batch || this.batched === 0) return;
    const pcm = this.batched === this.batch.length ? this.batch : this.batch.slice(0, this.batched);
    this.batch = undefined;
    this.batched = 0;
    this.post({ op: 'write', id: this.id, pcm }, [pcm.buffer as ArrayBuffer]);
  }

  finish(): Promise<VoiceNote> {
    try {
      this.assertOpen();
    } catch (err) {
      return Promise.reject(err as Error);
    }
    this.closed = true;
    this.flush();
    return new Promise<VoiceNote>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.post({ op: 'finish', id: this.id });
    });
  }

  abort(): void {
    if (this.closed && !this.pending) return;
    this.closed = true;
    this.batch = undefined;
    this.pending?.reject(new Error('VoiceEncoder: aborted'));
    this.pending = undefined;
    this.post({ op: 'abort', id: this.id });
    closed(this.member, this);
  }

  /** A reply from the thread. */
  receive(reply: EncoderReply): void {
    if (reply.op === 'progress') {
      this.reportedBytes = reply.bytes;
      this.reportedSamples = reply.samples;
      return;
    }
    closed(this.member, this);
    this.closed = true;
    if (reply.op === 'error') {
      this.fail(new Error(reply.message));
      return;
    }
    const { ogg, length, durationSecs, waveform, sampleRate, samples } = reply;
    this.finalBytes = length;
    this.pending?.resolve({ ogg: Buffer.from(ogg, 0, length), durationSecs, waveform, sampleRate, samples });
    this.pending = undefined;
  }

  /** The thread died or refused: `write` throws this from now on, and `finish` rejects with it. */
  fail(err: Error): void {
    this.failure ??= err;
    this.pending?.reject(this.failure);
    this.pending = undefined;
  }

  private post(request: EncoderRequest, transfer?: ArrayBuffer[]): void {
    this.member.worker.postMessage(request, transfer);
  }

  private assertOpen(): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new Error('VoiceEncoder: already finished');
  }
}

export function openPooledEncoder(options: { sampleRate: number; bitrate: number }, headerBytes: number): PooledEncoder {
  return new PooledEncoder(options, headerBytes);
}
