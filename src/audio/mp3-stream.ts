import { spawn, type ChildProcess } from 'node:child_process';

/** The MP3 a `StreamingMp3` made, and how many PCM samples went into it (to check it is the voice note's speech). */
export interface StreamedMp3 {
  mp3: Buffer;
  samples: number;
  sampleRate: number;
}

/**
 * An MP3 encoder fed while the speech streams in: one ffmpeg process (raw mono s16le in, 64 kbit/s CBR MP3 out, the
 * same settings as `voiceNoteToMp3`) started with the first audio chunk, so that when the model ends only the last
 * frames are left to flush (a few ms) instead of a whole conversion started after the end (121 ms for 4 s, 1.3 s
 * for 60 s of speech).
 *
 * `write` never blocks: chunks are copied (the caller's buffer may be handed on to another thread) and queued on
 * ffmpeg's stdin. `end` closes the input; `result` resolves with the MP3 once ffmpeg exits, or undefined if it
 * failed, was aborted, or wrote more than 64 kbit/s allows for the samples given (never rejects). `abort` kills it.
 */
export class StreamingMp3 {
  private readonly child: ChildProcess;
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private samplesIn = 0;
  private ended = false;
  private failed = false;
  readonly result: Promise<StreamedMp3 | undefined>;

  constructor(ffmpegPath: string, readonly sampleRate: number) {
    this.child = spawn(ffmpegPath, [
      '-hide_banner', '-loglevel', 'error', '-nostdin',
      '-f', 's16le', '-ar', String(sampleRate), '-ac', '1', '-i', 'pipe:0',
      '-c:a', 'libmp3lame', '-b:a', '64k', '-ar', '24000', '-ac', '1', '-f', 'mp3', 'pipe:1',
    ], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.child.stdin!.on('error', () => this.fail());
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.bytes += chunk.length;
      // 8,000 bytes a second of 64 kbit/s, with two seconds of margin for frames and padding
      if (this.bytes > (this.samplesIn / this.sampleRate + 2) * 8_000) this.fail();
      else this.chunks.push(chunk);
    });
    this.result = new Promise((resolve) => {
      this.child.once('error', () => {
        this.failed = true;
        resolve(undefined);
      });
      this.child.once('close', (code) => {
        resolve(code === 0 && !this.failed && this.ended
          ? { mp3: Buffer.concat(this.chunks, this.bytes), samples: this.samplesIn, sampleRate: this.sampleRate }
          : undefined);
      });
    });
  }

  /** Samples written so far. */
  get samples(): number {
    return this.samplesIn;
  }

  write(pcm: Int16Array): void {
    if (this.ended || this.failed || pcm.length === 0) return;
    this.samplesIn += pcm.length;
    this.child.stdin!.write(Buffer.from(new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength)));
  }

  /** No more audio: ffmpeg flushes its last frames and exits. */
  end(): void {
    if (this.ended || this.failed) return;
    this.ended = true;
    this.child.stdin!.end();
  }

  /** Stops ffmpeg (idempotent; nothing is left running, whatever state it was in). */
  abort(): void {
    this.fail();
  }

  private fail(): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.failed = true;
    this.child.stdin!.destroy();
    this.child.kill('SIGKILL');
  }
}
